"""Page sections: one module per page, each section a show_* function the page calls in order."""
