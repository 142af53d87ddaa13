"""The pages a person browses and the Linked Data documents programs fetch.

Routes live in :mod:`pages` and :mod:`linked_data`; what they show is gathered through the
backend by the modules of :mod:`cmikg.web.content`.
"""
