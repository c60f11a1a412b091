from arangetram_cli.cli.app import main

main()
