# mql2cpp.sed - the translation step from HeraldBridge's MQL5 subset to
# C++ for herald-mt5sim (herald-bridge.7, SIMULATOR).  Run with sed -E
# on each .mq5/.mqh file; the result is compiled with
# -include broker/mt5sim/mql5.h, which declares MQL5's types, constants
# and functions.  Only three constructs differ between the languages in
# the subset the EA keeps to:
#
# 1. #property lines are MQL5's program metadata: dropped.
/^#property[[:space:]]/d
# 2. input variables are read-only settings in MQL5; in the simulator
#    they are plain globals that main() sets from the command line.
s/^input[[:space:]]+//
# 3. Dynamic arrays: a parameter "T &name[]" becomes "MqlArray<T> &name",
#    a declaration "T name[];" becomes "MqlArray<T> name;" (one name per
#    declaration).  Element access, ArrayResize and ArraySize work
#    unchanged on MqlArray.
s/(^|[^A-Za-z0-9_])(bool|char|uchar|short|ushort|int|uint|long|ulong|double|string|datetime)[[:space:]]*&[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)\[\]/\1MqlArray<\2> \&\3/g
s/(^|[^A-Za-z0-9_])(bool|char|uchar|short|ushort|int|uint|long|ulong|double|string|datetime)[[:space:]]+([A-Za-z_][A-Za-z0-9_]*)\[\][[:space:]]*;/\1MqlArray<\2> \3;/g
