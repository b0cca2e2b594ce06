"""The benchmark's reference: a minimal Streamlit app with one plotly chart (``make bench``).

It has what the dashboard's timings are divided by: a page with a title, a year filter in the
sidebar (the same widget kind and place as the dashboard's) and one plotly chart that changes
with the year. Offline like the dashboard (plotly.js comes with Streamlit's frontend).
"""

import plotly.graph_objects as go
import streamlit as st

st.set_page_config(page_title="hello", layout="wide")
st.title("Hello")
year = st.sidebar.radio("年份", [2017, 2018, 2019], index=2, key="w_year", horizontal=True)
xs = list(range(12))
fig = go.Figure(go.Bar(x=xs, y=[(i * 7 + year) % 13 + 1 for i in xs]))
fig.update_layout(title=f"hello · {year}", height=420)
st.plotly_chart(fig, key="hello_chart")
