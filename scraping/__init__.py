"""Fetching and reshaping outside data (the ASX directory, Yahoo Finance).

Imports neither Django nor PynamoDB: callers get plain Python values and our own errors.
"""
