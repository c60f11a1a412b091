#compdef arangetram

_arangetram_completion() {
  eval $(env _TYPER_COMPLETE_ARGS="${words[1,$CURRENT]}" _ARANGETRAM_COMPLETE=complete_zsh arangetram)
}

compdef _arangetram_completion arangetram
