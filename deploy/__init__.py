"""Running the dashboard for a class past one process: replicas behind nginx, one database."""
