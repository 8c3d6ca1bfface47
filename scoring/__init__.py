"""效能考评看板的核心库 (the core library): sheets, store, scheme, rules, ranking, warnings,
results and publishing. It imports no Streamlit; the app and the command line call it."""
