"""Pictures and output formats of subnetfrag's reports (the top layer, beside
the command line: nothing below imports it).

- :mod:`.terminal`: whether to colour, and the ANSI styles.
- :mod:`.text_report`: the report of one subnet as a readable table.
- :mod:`.json_report`: the JSON document of one subnet (schema in docs/cli.md).
- :mod:`.prometheus`: the metric families of every subnet, in the Prometheus
  text format or OpenMetrics (``analyze`` and the exporter share them).
- :mod:`.svg`: the /28 block map as a standalone SVG picture.
- :mod:`.advice_text`, :mod:`.actions`: repair advice as text, and the action
  and command that frees each kind of owner's addresses.
"""
