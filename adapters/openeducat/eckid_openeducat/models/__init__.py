from . import res_company, op_student
