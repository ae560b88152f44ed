"""The app's entry script for ``streamlit run`` (``pelvic-screen app`` runs this file)."""
from screening.app.main import main

main()
