"""CRM assessment workbook: customer classification, value matrix, satisfaction and relationship scoring.

The package behind the course notebooks, exercises and classroom apps. Modules, one per
concept: ``data`` (load and check tables), ``classify``, ``value_matrix``,
``satisfaction``, ``operations`` (scoring), ``instruments`` (self-assessment
questionnaires), ``plots``, ``i18n`` (zh-CN / en texts) and ``errors``.
"""

__version__ = "0.1.0"
