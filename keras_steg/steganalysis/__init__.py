"""Steganalysis and classical baselines: StegExpose's detectors, n-bit LSB hiding, a CNN
steganalyser, diff maps and ROC/AUC reports."""
