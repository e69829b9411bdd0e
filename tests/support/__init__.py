"""What the tests share: rigs (reached through the fixtures in ``support.fixtures``)
and pure helpers (fixed console models, in-memory journals, settings builders).

``tests/conftest.py`` registers ``support.fixtures`` as a plugin, so a test asks
for ``sim``, ``engine``, ``receiver``, ``alertmanager``, ``natsd`` or
``private_sim`` by name and the fixture starts and stops the real thing.
"""
