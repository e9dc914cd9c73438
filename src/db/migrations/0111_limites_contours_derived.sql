-- EPCI, département and région contours derived from their member communes when none was
-- imported (src/modules/limites-administratives/derive.ts): `contour_derived` tells a derived
-- contour (recomputed after every commune contour import) from an imported one (kept as loaded).
ALTER TABLE limites_epci ADD COLUMN IF NOT EXISTS contour_derived boolean NOT NULL DEFAULT false;
ALTER TABLE limites_departement ADD COLUMN IF NOT EXISTS contour_derived boolean NOT NULL DEFAULT false;
ALTER TABLE limites_region ADD COLUMN IF NOT EXISTS contour_derived boolean NOT NULL DEFAULT false;
