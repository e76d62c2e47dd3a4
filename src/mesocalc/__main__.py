from mesocalc.cli.launch import main

main()
