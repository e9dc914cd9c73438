/**
 * Errors of the import pipeline. A reader throws SourceError (it knows the feature number, not the
 * file label); the engine turns every failure into an ImportError naming file, feature and reason,
 * which is what `terroir import` prints and what the programmatic API rejects with.
 */
export class SourceError extends Error {
  constructor(
    readonly reason: string,
    /** 1-based feature (record) number, when the failure belongs to one feature. */
    readonly feature?: number,
  ) {
    super(feature === undefined ? reason : `feature ${feature}: ${reason}`);
  }
}

export class ImportError extends Error {
  constructor(
    readonly reason: string,
    readonly file?: string,
    readonly feature?: number,
  ) {
    super([file, feature === undefined ? undefined : `feature ${feature}`, reason].filter(Boolean).join(': '));
  }
}
