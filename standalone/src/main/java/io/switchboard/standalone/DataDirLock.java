package io.switchboard.standalone;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on the data directory, so that a second standalone on the same directory stops at once
 * instead of corrupting the first one's stores. The OS releases it if the process dies.
 */
final class DataDirLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** @throws StartupException with a one-line explanation if the directory is unusable or taken */
    static DataDirLock acquire(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new StartupException("cannot create the data directory " + dataDir + " (" + e.getMessage()
                    + "); choose another with --data-dir");
        }
        if (!Files.isWritable(dataDir)) {
            throw new StartupException("the data directory " + dataDir + " is not writable; fix its permissions or "
                    + "choose another with --data-dir");
        }
        Path file = dataDir.resolve("switchboard.lock");
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.READ);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                String holder = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).trim();
                channel.close();
                throw new StartupException("another Switchboard" + (holder.isEmpty() ? "" : " (pid " + holder + ")")
                        + " is already using the data directory " + dataDir
                        + "; stop it first, or start this one with another --data-dir");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)));
            channel.force(false);
            return new DataDirLock(channel, lock);
        } catch (AccessDeniedException e) {
            throw new StartupException("the data directory " + dataDir + " is not writable; fix its permissions or "
                    + "choose another with --data-dir");
        } catch (IOException e) {
            throw new StartupException("cannot lock the data directory " + dataDir + ": " + e.getMessage());
        }
    }

    @Override
    public void close() throws IOException {
        lock.release();
        channel.close();
    }
}
