"""A class at once against one dashboard server: the load-test tool (``python -m tools.classroom_load``).

- classroom: the class (browser tabs or websocket clients), its modes and its report;
- class_mode: a class joined to a challenge, with and without the instructor watching, per database;
- adversaries: students who do not play along, in real browsers (run as its own process);
- relay: a timing relay in front of the server (run as its own process, at normal priority);
- protocol_client: a light client that speaks Streamlit's websocket protocol;
- browser_steps, machine: what a tab does, and what is read about this machine's processes.
"""
