{
    "name": "ECK iD for OpenEduCat",
    "version": "17.0.1.0.0",
    "summary": "ECK iDs from the Nummervoorziening for OpenEduCat students (libeckid)",
    "category": "Education",
    "license": "LGPL-3",
    "depends": ["openeducat_core"],
    "external_dependencies": {"python": ["eckid"]},
    "data": ["views/res_company_views.xml", "views/op_student_views.xml", "data/ir_cron.xml"],
    "installable": True,
}
