-- The guideline library (issue 22): at most one tenant of the installation
-- is the library, whose guidelines every tenant reads, searches and counts
-- as common text.
ALTER TABLE tenants ADD COLUMN library INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX tenants_one_library ON tenants (library) WHERE library = 1;
