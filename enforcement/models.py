"""Every table of the application, imported in one place so the metadata is complete
(migrations, the schema test). A module that adds models adds its import here."""

from enforcement.auth import models as auth_models  # noqa: F401
from enforcement.cases import models as case_models  # noqa: F401
from enforcement.core import audit, calendar_store, jobs, notify, numbering, storage  # noqa: F401
from enforcement.documents import models as document_models  # noqa: F401
from enforcement.enterprises import models as enterprise_models  # noqa: F401
from enforcement.experts import models as expert_models  # noqa: F401
from enforcement.inspections import models as inspection_models  # noqa: F401
from enforcement.plans import models as plan_models  # noqa: F401
