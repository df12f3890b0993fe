-- EckId plugin tables (PostgreSQL and MySQL). Run by RosarioSIS when the plugin is activated.

-- The ECK iDs of a student at a school: one row per chain of the school's sector.
CREATE TABLE IF NOT EXISTS eckid_student (
    student_id integer NOT NULL,
    school_id integer NOT NULL,
    chain varchar(255) NOT NULL,
    eckid varchar(255) NOT NULL,
    sector varchar(255) NOT NULL,
    updated_at timestamp DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (student_id, school_id, chain)
);

-- Events that did not give an ECK iD yet (invalid PGN, service error): shown on the
-- student's page until a later event for the student succeeds. Never holds a PGN.
CREATE TABLE IF NOT EXISTS eckid_pending (
    student_id integer NOT NULL,
    school_id integer NOT NULL,
    status varchar(64) NOT NULL,
    message text NOT NULL,
    updated_at timestamp DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (student_id, school_id)
);
