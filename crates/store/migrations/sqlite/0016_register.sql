-- The register (OSL 5 kap. 1 §): each case's ärendemening, a short neutral subject staff may
-- set; empty means the default made from its kind and category.
ALTER TABLE cases ADD COLUMN subject TEXT NOT NULL DEFAULT '';
