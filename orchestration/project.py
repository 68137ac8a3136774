"""The dbt project handle, alone in its module so `dagster-dbt project prepare-and-package
--file orchestration/project.py` can prepare the manifest ahead of any import of the assets."""

from dagster_dbt import DbtProject

from core.settings import DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
