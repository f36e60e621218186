"""UI pieces shared by the pages (not pages themselves): the course map and common widgets."""
