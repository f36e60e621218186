"""The dashboard's pages (run by app.py through st.navigation), their sections and shared components.

Importing this package does nothing: start-up work lives in pages.components.startup, called by
app.py and, on a fresh server's first deep link, by the page itself (see use_app_navigation).
"""
