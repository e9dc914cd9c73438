import { Socket } from 'node:net';

/** The Redis the quota tests use: REDIS_URL, else the local one `.ci/run` starts. */
export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Skip message when no Redis answers (tests then say why instead of failing on a connection error).
 * Never skipped in CI, where `.ci/run` starts Redis: there a missing Redis must fail the run.
 */
export async function redisSkip(): Promise<string | false> {
  if (process.env.CI) return false;
  const u = new URL(TEST_REDIS_URL);
  const ok = await new Promise<boolean>((resolve) => {
    const s = new Socket();
    s.setTimeout(3000);
    s.once('connect', () => {
      s.write('PING\r\n');
    });
    s.once('data', (d) => {
      s.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
    s.connect(Number(u.port || 6379), u.hostname);
  });
  return ok ? false : `no Redis answers at ${TEST_REDIS_URL} (.ci/run starts one)`;
}

/** A random documentation-range address, so runs sharing one Redis never share an anonymous bucket. */
export const randomIp = () => `198.51.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;
