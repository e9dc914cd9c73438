/**
 * Errors of `terroir fetch`. Every message names what failed (the URL, the file, the selector) so a
 * user reading one line in a cron log knows what to do without re-running with more logging.
 */

/**
 * A bad selector or flag value for a source. Its `code` is the one node:util parseArgs uses for bad
 * option values, so src/cli.ts reports it as a usage error (exit code 2) like the other flag errors.
 */
export class SelectorError extends Error {
  override name = 'SelectorError';
  readonly code = 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE';
}

/** The server answered with a status that retrying will not fix (404, 403, 410…). */
export class HttpStatusError extends Error {
  override name = 'HttpStatusError';
  constructor(
    readonly url: string,
    readonly status: number,
    statusText: string,
    hint = '',
  ) {
    super(`HTTP ${status}${statusText ? ` ${statusText}` : ''} for ${url}${hint ? ` (${hint})` : ''}`);
  }
}

/** Retries exhausted on 5xx / network errors. */
export class RetriesExhaustedError extends Error {
  override name = 'RetriesExhaustedError';
  constructor(
    readonly url: string,
    attempts: number,
    readonly lastError: string,
  ) {
    super(`giving up on ${url} after ${attempts} attempts: ${lastError}`);
  }
}

/** The downloaded bytes do not match the checksum the producer published. */
export class ChecksumError extends Error {
  override name = 'ChecksumError';
  constructor(
    readonly file: string,
    readonly url: string,
    readonly algorithm: string,
    readonly expected: string,
    readonly actual: string,
    readonly source: string,
  ) {
    super(
      `checksum mismatch for ${file} downloaded from ${url}: ${algorithm} expected ${expected} (published at ${source}), ` +
        `got ${actual}; the download was discarded, nothing was kept as complete`,
    );
  }
}

/** The server's answer is not what the source's documented interface returns (feed, JSON shape). */
export class UnexpectedAnswerError extends Error {
  override name = 'UnexpectedAnswerError';
}
