from mesocalc.cli import main

main()
