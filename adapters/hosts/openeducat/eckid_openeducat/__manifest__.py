{
    "name": "ECK iD for OpenEduCat",
    "version": "17.0.1.0.0",
    "summary": "ECK iDs from the Nummervoorziening for OpenEduCat students (libeckid)",
    "category": "Education",
    "author": "eckid contributors",
    # "website": none yet; the project has no public address.
    # SPDX-License-Identifier: LGPL-2.1-or-later (the project's LICENSE). Odoo takes only the
    # values of ir.module.module.license, which has no LGPL-2.1 (README.md, "Licence").
    "license": "Other OSI approved licence",
    "depends": ["openeducat_core"],
    "external_dependencies": {"python": ["eckid"]},
    "data": ["security/eckid_security.xml", "security/ir.model.access.csv",
             "views/res_company_views.xml", "views/op_student_views.xml", "data/ir_cron.xml"],
    "images": ["static/description/icon.png"],
    "installable": True,
}
