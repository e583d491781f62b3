-- A CPTS listed by a source that gives no status (the ARS PACA listing of January 2026 has none): stored as
-- « non renseigné » rather than a guessed status.
ALTER TABLE cpts DROP CONSTRAINT cpts_statut_check;
ALTER TABLE cpts ADD CONSTRAINT cpts_statut_check CHECK (statut IN ('pre-projet', 'projet', 'en-fonctionnement', 'aci-signe', 'non-renseigne'));
