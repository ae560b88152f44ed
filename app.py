"""The app from a checkout: ``streamlit run app.py`` (``make app``); it is screening.app."""
from screening.app.main import main

main()
