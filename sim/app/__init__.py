"""The interactive page (``parley app``): move a judgement call, watch the talks and the odds.

The testable logic is plain library code: :mod:`sim.app.catalogue` (which judgement calls the
page offers), :mod:`sim.app.controls` (how a typed value is checked), :mod:`sim.app.settings`
(the scenario a page's settings describe), :mod:`sim.app.export` (the settings as a child
scenario file) and :mod:`sim.app.odds` (the live batch of worlds).  :mod:`sim.app.page` is the
thin Solara layer (Mesa's ``SolaraViz``) and :mod:`sim.app.server` serves it on the loopback
interface.
"""
