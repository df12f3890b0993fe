-- EckId plugin removal: its tables and its settings (the plugin's state folder stays).
DROP TABLE IF EXISTS eckid_student;
DROP TABLE IF EXISTS eckid_pending;
DELETE FROM program_config WHERE program='eckid';
