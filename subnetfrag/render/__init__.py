"""Pictures and output formats of subnetfrag's reports (the top layer, beside
the command line: nothing below imports it).

- :mod:`.terminal`: whether to colour, and the ANSI styles.
- :mod:`.text_report`: the report of one subnet as a readable table.
- :mod:`.json_report`: the JSON document of one subnet (schema in docs/cli.md).
- :mod:`.prometheus`: the text exposition format for node_exporter's textfile
  collector.
- :mod:`.svg`: the /28 block map as a standalone SVG picture.
"""
