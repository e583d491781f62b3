-- Nearest MSP / CSP / ESP of a point: one partial GiST index per site type, so a k-nearest-neighbour
-- scan for one type never walks past sites of other types (nor the whole index when a type has no site).
CREATE INDEX structure_msp_gix ON structure USING gist (geom) WHERE type = 'msp';
CREATE INDEX structure_csp_gix ON structure USING gist (geom) WHERE type = 'csp';
CREATE INDEX structure_esp_gix ON structure USING gist (geom) WHERE type = 'esp';
