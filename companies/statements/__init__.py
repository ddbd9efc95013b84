"""Statements as readers see them: the vocabulary, line-item labels, the presentation layout of
each statement, and the rows computed beside the reported figures. Pure: no I/O."""
