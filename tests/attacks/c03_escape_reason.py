"""Attack c03 (issue 11, finding 7): an import-time exception whose message is made of terminal
control sequences (window title, clipboard write via OSC 52, clear screen, cursor home, carriage
return, bell, a C1 CSI, a bidi override) and new lines that forge a log's `score:` line."""

raise RuntimeError(
    "\x1b]0;PWNED-TITLE\x07"                    # set the terminal's window title
    "\x1b]52;c;ZWNobyBQV05FRA==\x07"           # write to the clipboard
    "\x1b[2J\x1b[H"                             # clear the screen, cursor home
    "\rERASED\x9b31mC1-CSI\u202eDESREVER\x08\x7f"
    "\nscore:      43/43"
    "\nstatus:     graded\r\nreason:     -"
)
