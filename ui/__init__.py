"""Streamlit and Altair helpers shared by the pages: presentation mode, charts, badges."""
