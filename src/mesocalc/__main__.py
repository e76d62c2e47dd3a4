from mesocalc.launch import main

main()
