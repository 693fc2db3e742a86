import Convert
