/**
 * The client's sockets and timers never keep a process alive by themselves. But a promise the application is
 * waiting for (a register, a resolve, a flush, a close) should hold the process like any awaited I/O, or a script
 * that awaits one would end with the promise unsettled. This holds one ref'd timer while any such promise is
 * pending.
 */
let holds = 0;
let timer: NodeJS.Timeout | null = null;

function release(): void {
  if (--holds === 0 && timer !== null) {
    clearInterval(timer);
    timer = null;
  }
}

/** Keeps the process alive until `promise` settles; returns it unchanged. */
export function holdUntilSettled<T>(promise: Promise<T>): Promise<T> {
  if (holds++ === 0) {
    timer = setInterval(() => undefined, 1 << 30);
  }
  promise.then(release, release);
  return promise;
}
