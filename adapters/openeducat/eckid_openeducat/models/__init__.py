from . import res_company, op_student, op_student_course
