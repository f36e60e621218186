"""The small core every concept uses: errors, settings, the device, parsing, messages."""
