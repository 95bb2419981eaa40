/** Keeps the process alive until `promise` settles; returns it unchanged. */
export declare function holdUntilSettled<T>(promise: Promise<T>): Promise<T>;
