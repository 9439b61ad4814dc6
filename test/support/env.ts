/**
 * An environment variable set for the length of `work`, then put back as it was (set to its
 * old value, or removed). Test files share their worker process (vitest.config.ts), so a
 * variable a test sets must not outlive it, nor one the run was started with be lost.
 */
export async function withEnv<T>(name: string, value: string | undefined, work: () => T | Promise<T>): Promise<T> {
  const before = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  try {
    return await work();
  } finally {
    if (before === undefined) delete process.env[name];
    else process.env[name] = before;
  }
}
