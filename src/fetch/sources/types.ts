import type { PublishedChecksum } from '../checksum.ts';
import type { HttpOptions } from '../http.ts';

/** Flags a source may read besides its positional selectors (each documented in its usage). */
export interface SourceFlags {
  millesime?: string;
  edition?: string;
  format?: string;
  zone?: string;
  resource?: string;
}

export interface PlanContext {
  /** The source's base URL: its default or --base-url. */
  baseUrl: string;
  http: HttpOptions;
  flags: SourceFlags;
  /** A line for the user (which edition was chosen, newer ones in other formats…). */
  note: (line: string) => void;
}

export interface PlannedDownload {
  url: string;
  fileName: string;
  published?: PublishedChecksum;
}

/** What to hand to the importer once the files are on disk. */
export interface ImportStep {
  layer: string;
  /** Files or, when they are inside an archive not extracted yet, a description of where they will be. */
  files: string[];
  annee?: number;
  options?: Record<string, string>;
  /**
   * How it is loaded: `target` (default) through the import engine with the registered target of
   * `layer`; `cnig` a GPU document archive through importCnigFolder(); `contours` ADMIN EXPRESS
   * contours of `level` through loadContours().
   */
  via?: 'target' | 'cnig' | 'contours';
  level?: 'commune' | 'epci' | 'departement' | 'region';
}

export interface ArchiveSpec {
  /** The archive (its first volume when split) to extract once every download is complete. */
  fileName: string;
  /** Directory (under the plan's dir) to extract into. */
  into: string;
}

export interface PlanFiles {
  /** Absolute directory of the downloads. */
  dir: string;
  /** Absolute path of each planned download, by file name. */
  paths: Map<string, string>;
  /** Absolute directory of the extracted archive, when it was extracted. */
  extractedDir?: string;
}

export interface SourcePlan {
  /** One line for the user: what is fetched. */
  title: string;
  /** Destination sub-directory, relative to --dest. */
  subdir: string;
  downloads: PlannedDownload[];
  archive?: ArchiveSpec;
  /** Import steps once downloaded (and extracted, for archives). */
  importSteps(files: PlanFiles): ImportStep[];
}

export interface FetchSource {
  name: string;
  aliases?: string[];
  summary: string;
  /** Selector syntax shown by `terroir fetch --help`. */
  usage: string;
  defaultBaseUrl: string;
  plan(selectors: string[], ctx: PlanContext): Promise<SourcePlan>;
}
