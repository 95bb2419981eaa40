package io.switchboard.embedded;

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
 * An exclusive lock on a data directory, so that a second Switchboard (standalone or local cluster) on the same
 * directory stops at once instead of corrupting the first one's stores. The OS releases it if the process dies.
 */
public final class DataDirLock implements AutoCloseable {
    private final Path dir;
    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(Path dir, FileChannel channel, FileLock lock) {
        this.dir = dir;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * A Hazelcast cluster name of this directory's own: {@code prefix} and a hash of the directory. The directory is
     * locked, so no other running Switchboard has it, and two on one machine never meet.
     */
    public String clusterName(String prefix) {
        try {
            byte[] hash = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(dir.toString().getBytes(StandardCharsets.UTF_8));
            return prefix + "-" + java.util.HexFormat.of().formatHex(hash, 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** @throws IllegalStateException with a one-line explanation if the directory is unusable or taken */
    public static DataDirLock acquire(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the data directory " + dataDir + " (" + e.getMessage()
                    + "); choose another with --data-dir");
        }
        if (!Files.isWritable(dataDir)) {
            throw new IllegalStateException("the data directory " + dataDir + " is not writable; fix its permissions or "
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
                throw new IllegalStateException("another Switchboard" + (holder.isEmpty() ? "" : " (pid " + holder + ")")
                        + " is already using the data directory " + dataDir
                        + "; stop it first, or start this one with another --data-dir");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)));
            channel.force(false);
            return new DataDirLock(dataDir.toAbsolutePath().normalize(), channel, lock);
        } catch (AccessDeniedException e) {
            throw new IllegalStateException("the data directory " + dataDir + " is not writable; fix its permissions or "
                    + "choose another with --data-dir");
        } catch (IOException e) {
            throw new IllegalStateException("cannot lock the data directory " + dataDir + ": " + e.getMessage());
        }
    }

    @Override
    public void close() throws IOException {
        lock.release();
        channel.close();
    }
}
