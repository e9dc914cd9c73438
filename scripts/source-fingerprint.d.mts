/** See source-fingerprint.mjs. */
export function sourceFingerprint(dir: string): string;
