/**
 * What names a source file in a dataset id: its name with its parent directory (`21295/00475.geojson`,
 * `RPG_2-0_GPKG_LAMB93_R53-2022/PARCELLES_GRAPHIQUES.gpkg`, `x.zip` members likewise), so that files
 * of the same name in different folders (opendatawine's per-commune folders, IGN's per-région
 * deliveries) are different datasets, while importing the same file again replaces its own dataset.
 * Machine paths above that stay out of the id.
 */
export function fileKey(file: string): string {
  const parts = file.split(/[\\/]+/).filter(Boolean);
  return parts.slice(-2).join('/');
}
