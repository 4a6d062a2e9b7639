"""Architectures: the landmark families of image classifiers, as ready network specs."""
