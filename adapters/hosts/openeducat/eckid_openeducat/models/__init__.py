from . import eckid_record, res_company, op_student, eckid_backfill
