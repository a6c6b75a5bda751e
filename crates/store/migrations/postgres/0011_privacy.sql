-- The data protection officer's contact details, which the privacy notice names (GDPR 13.1 b).
ALTER TABLE jurisdictions ADD COLUMN dpo_contact TEXT;
