"""Venue control adapters: the authenticated side of each venue, for halting.

One module per venue speaks its private REST API exactly as the venue documents
it: signing, cancel-all (or list + batch cancel where the venue has none), its
dead-man timer, and listing open orders. Registered in the entry-point group
``venuewatch.controls``; nothing here imports the application.
"""
