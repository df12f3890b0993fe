from . import eckid_record, res_company, op_student, op_student_course, eckid_backfill
